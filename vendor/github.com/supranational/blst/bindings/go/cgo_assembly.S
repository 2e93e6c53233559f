#include "assembly.S"
