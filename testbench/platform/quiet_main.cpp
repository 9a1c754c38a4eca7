// Entry point of the testbench executables. SystemC prints its copyright banner before sc_main
// runs unless SYSTEMC_DISABLE_COPYRIGHT_MESSAGE is set, which would put three lines before every
// one-line error message; set it (unless the user chose otherwise) and hand over to SystemC.
#include <systemc>

#include <cstdlib>

int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
