#include "lb-error.h"

G_DEFINE_QUARK (lifeboat-error-quark, lb_error)
