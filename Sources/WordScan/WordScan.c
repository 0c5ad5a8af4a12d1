#include "WordScan.h"
