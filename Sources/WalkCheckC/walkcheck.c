#include "walkcheck.h"

int wc_interface_version(void)
{
	return 1;
}
