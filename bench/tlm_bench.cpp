// The cost of a raw TLM-2.0 blocking transport between two SystemC modules on this machine: the
// comparator of the model's cost per transaction (tools/bench.py). An initiator's thread calls
// b_transport N times through a simple_initiator_socket bound to a simple_target_socket, reusing one payload with an extension and an annotated delay; the target
// reads the extension, counts and answers. Prints "raw b_transport <ns> ns per transaction".
//   tlm_bench [N]     (default 20,000,000)
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

struct Tag : tlm::tlm_extension<Tag> {
    std::uint64_t value = 0;
    tlm::tlm_extension_base* clone() const override { return new Tag(*this); }
    void copy_from(const tlm::tlm_extension_base& o) override { value = static_cast<const Tag&>(o).value; }
};

struct Target : sc_core::sc_module {
    tlm_utils::simple_target_socket<Target> in{"in"};
    std::uint64_t sum = 0;
    explicit Target(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
        in.register_b_transport(this, &Target::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const Tag* tag = gp.get_extension<Tag>();
        sum += tag ? tag->value : 0;
        delay += sc_core::sc_time::from_value(1);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> out{"out"};
    std::uint64_t n;
    double seconds = 0;
    Initiator(const sc_core::sc_module_name& name, std::uint64_t count) : sc_core::sc_module(name), n(count) {
        SC_HAS_PROCESS(Initiator);
        SC_THREAD(run);
    }
    void run() {
        tlm::tlm_generic_payload gp;
        Tag tag;
        gp.set_extension(&tag);
        gp.set_command(tlm::TLM_IGNORE_COMMAND);
        const auto t0 = std::chrono::steady_clock::now();
        for (std::uint64_t i = 0; i < n; ++i) {
            tag.value = i;
            gp.set_address(i * 4);
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
            out->b_transport(gp, delay);
            if (!gp.is_response_ok()) std::abort();
        }
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        gp.clear_extension(&tag);
    }
};

}  // namespace

int sc_main(int argc, char** argv) {
    const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000000;
    Initiator initiator("initiator", n);
    Target target("target");
    initiator.out.bind(target.in);
    sc_core::sc_start();
    std::printf("raw b_transport %.2f ns per transaction (%llu transactions in %.3f s; checksum %llu)\n",
                initiator.seconds / double(n) * 1e9, (unsigned long long)n, initiator.seconds,
                (unsigned long long)target.sum);
    return 0;
}
