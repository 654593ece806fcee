#pragma once
// How a loss turns its per-element values into the returned tensor, as in PyTorch.

#include <string_view>

namespace wengert {

/// none: the per-element losses; mean: their mean (or, for the weighted classification
/// losses, their sum divided by the summed weight, as PyTorch defines); sum: their sum;
/// batchmean: the sum divided by the batch size (kl_div only, as in PyTorch).
enum class Reduction { none, mean, sum, batchmean };

/// "none", "mean", "sum" or "batchmean"; any other string throws std::invalid_argument
/// naming it.
Reduction reduction_from_string(std::string_view name);

/// The string form of a reduction.
std::string_view reduction_name(Reduction reduction);

}  // namespace wengert
