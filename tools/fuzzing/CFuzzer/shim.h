// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer). SwiftPM links an
// executable with `--defsym main=<module>_main`, so libFuzzer's own main is never
// used: each harness defines <module>_main and hands its arguments to this.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
