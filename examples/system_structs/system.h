/* Three structures the C library declares, for the naive ctypes mirrors of mirrors.py:
 *
 *     shm-signal matrix --header examples/system_structs/system.h \
 *         --structs examples/system_structs/mirrors.py --target linux-x86_64 ...
 *
 * (Linux targets only: a target without these headers is an *error*, not a mismatch.) */
#include <fcntl.h>
#include <sys/epoll.h>
#include <time.h>
