#include <gtest/gtest.h>
#include <systemc>

// gtest_discover_tests runs every test in its own process: one SystemC simulation per process.
int sc_main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
