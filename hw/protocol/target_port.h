#pragma once
#include <tlm>

namespace fusemax {

// A target socket of the IP's internal paths (scheduler to arrays, arrays to the GLB, DRAM to the
// GLB) that calls its module's handler directly: one virtual call per transaction, where
// simple_target_socket dispatches through a member-function pointer and its own checks (a tenth of
// a timing-mode tile step went there). Their initiators use b_transport only, so nb_transport is
// answered with a command error, no DMI is offered and debug access goes to `Debug` when given.
template <class Module, void (Module::*Transport)(tlm::tlm_generic_payload&, sc_core::sc_time&),
          unsigned (Module::*Debug)(tlm::tlm_generic_payload&) = nullptr>
class TargetPort : public tlm::tlm_target_socket<> {
public:
    TargetPort(const char* name, Module* module) : tlm::tlm_target_socket<>(name), fw_(module) {
        tlm::tlm_target_socket<>::bind(fw_);
    }

private:
    class Fw : public tlm::tlm_fw_transport_if<> {
    public:
        explicit Fw(Module* m) : m_(m) {}
        void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override { (m_->*Transport)(gp, delay); }
        tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase&, sc_core::sc_time&) override {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return tlm::TLM_COMPLETED;
        }
        bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) override {
            dmi.allow_none();
            return false;
        }
        unsigned int transport_dbg(tlm::tlm_generic_payload& gp) override {
            if constexpr (Debug != nullptr) return (m_->*Debug)(gp);
            else return 0;
        }

    private:
        Module* m_;
    };
    Fw fw_;
};

}  // namespace fusemax
