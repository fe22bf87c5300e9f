// libpng's simplified API (png_image_*): no setjmp needed.
#include <png.h>
#include <stdio.h>
