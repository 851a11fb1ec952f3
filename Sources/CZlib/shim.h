// zlib, for reading gzip-compressed count matrices (detected by content).
#ifndef LIMMA_CZLIB_SHIM_H
#define LIMMA_CZLIB_SHIM_H
#include <zlib.h>
#endif
