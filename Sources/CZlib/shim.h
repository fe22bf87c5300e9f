// zlib's gzip file API (gzopen, gzread): reads .gz and plain files alike.
#include <zlib.h>
