#pragma once
// The autograd layer: tensors, the tape, backward() and grad(), grad mode, gradient checks.
#include "engine.hpp"
#include "error.hpp"
#include "format.hpp"
#include "grad_mode.hpp"
#include "gradcheck.hpp"
#include "memory.hpp"
#include "tensor.hpp"
