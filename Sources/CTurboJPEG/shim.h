// libjpeg-turbo's TurboJPEG API (tjDecompressHeader3, tjDecompress2): errors are returned, not
// longjmp'ed, so Swift can call it directly.
#include <stddef.h>
#include <turbojpeg.h>
