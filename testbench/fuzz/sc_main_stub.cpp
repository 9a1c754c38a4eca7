// libFuzzer provides main(); SystemC's library still refers to sc_main, which the harnesses never
// call (they elaborate and run simulations themselves).
extern "C" int sc_main(int, char**) { return 0; }
