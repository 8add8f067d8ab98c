// aubio (Debian's libaubio-dev): beat tracking for screenplay briefs in music mode.
#include <aubio/aubio.h>
