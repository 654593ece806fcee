#pragma once
// The training layer: progress bars, metrics logs and plots, and the training loop.
#include "metrics.hpp"
#include "progress.hpp"
