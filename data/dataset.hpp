#pragma once
// Datasets, the data loader and normalisation.
//
//   TensorDataset data(images, labels);                 // shared first axis
//   DataLoader loader(data, {.batch_size = 128, .shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < 10; ++epoch) {
//       for (const Batch& batch : loader) { ... batch.inputs, batch.targets ... }
//       loader.set_batch_size(256);                     // applies from the next epoch
//   }

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "../autograd/tensor.hpp"

namespace wengert {

/// One mini-batch: rows of the inputs and the matching rows of the targets.
struct Batch {
    Tensor inputs;
    Tensor targets;
};

/// A source of samples addressed by index 0 .. size() - 1.
class Dataset {
public:
    virtual ~Dataset() = default;
    virtual std::size_t size() const = 0;
    /// The samples at `indices`, stacked along a new first axis.
    virtual Batch get_batch(std::span<const std::size_t> indices) const = 0;
};

/// Samples are the rows (first-axis slices) of an inputs tensor and a targets tensor.
class TensorDataset : public Dataset {
public:
    /// Throws ShapeError when either tensor is 0-d or their first axes differ.
    TensorDataset(Tensor inputs, Tensor targets);

    std::size_t size() const override { return size_; }
    /// Copies the rows at `indices` (runs of consecutive rows in one memcpy); throws
    /// std::out_of_range naming an index >= size().
    Batch get_batch(std::span<const std::size_t> indices) const override;

    const Tensor& inputs() const { return inputs_; }
    const Tensor& targets() const { return targets_; }

private:
    Tensor inputs_;
    Tensor targets_;
    std::size_t size_;
};

struct DataLoaderOptions {
    std::size_t batch_size = 1;
    /// A new random order every epoch, from `seed` and the epoch number only, so the same
    /// seed gives the same sequence of orders and a resumed run can continue it (set_epoch).
    bool shuffle = false;
    /// Drop the last batch when it is smaller than batch_size.
    bool drop_last = false;
    std::uint64_t seed = 0;
};

/// Iterates a dataset in mini-batches. Each range-for (each begin()) is one epoch.
class DataLoader {
public:
    class Iterator;

    /// Throws std::invalid_argument for batch_size 0.
    DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
    DataLoader(const TensorDataset& dataset, DataLoaderOptions options = {});

    /// Starts epoch epoch(): applies a pending set_batch_size, draws the epoch's order and
    /// advances the epoch counter. Batches are copied as the iterator reaches them.
    Iterator begin();
    Iterator end();

    /// Number of batches per epoch: of the epoch in progress, else of the next one.
    std::size_t size() const;
    /// Batch size of the epoch in progress, else of the next one.
    std::size_t batch_size() const;
    /// Sets the batch size from the next epoch on (a batch-size schedule calls this between
    /// epochs); std::invalid_argument for 0.
    void set_batch_size(std::size_t batch_size);
    /// Epochs started so far: the next begin() runs epoch `epoch()` (counting from 0).
    std::size_t epoch() const { return epoch_; }
    /// Continues at epoch `epoch` (its shuffled order is the one a fresh run would draw).
    void set_epoch(std::size_t epoch) { epoch_ = epoch; }
    /// Called on every batch before it is returned (augmentation, normalisation).
    void set_transform(std::function<void(Batch&)> transform) { transform_ = std::move(transform); }
    const Dataset& dataset() const { return *dataset_; }

    class Iterator {
    public:
        using value_type = Batch;
        using difference_type = std::ptrdiff_t;
        using reference = const Batch&;
        using iterator_category = std::input_iterator_tag;

        Iterator() = default;
        const Batch& operator*() const { return batch_; }
        const Batch* operator->() const { return &batch_; }
        Iterator& operator++();
        bool operator==(const Iterator& other) const { return batch_index_ == other.batch_index_; }

    private:
        friend class DataLoader;
        Iterator(DataLoader* loader, std::size_t batch_index);
        void load();

        DataLoader* loader_ = nullptr;
        std::size_t batch_index_ = 0;
        Batch batch_;
    };

private:
    std::size_t batches_for(std::size_t batch_size) const;

    std::shared_ptr<const Dataset> dataset_;
    DataLoaderOptions options_;
    std::size_t pending_batch_size_;
    std::size_t batch_size_;
    std::size_t epoch_ = 0;
    bool in_epoch_ = false;
    std::vector<std::size_t> order_;
    std::function<void(Batch&)> transform_;
};

/// Mean and (population) standard deviation of all values of a tensor.
struct MeanStd {
    double mean = 0.0;
    double std = 1.0;
};

/// Mean and standard deviation over every element (in double precision); the statistics
/// to pass to normalize. std::invalid_argument for an empty tensor.
MeanStd mean_std(const Tensor& values);
/// (x - mean) / std elementwise, as a new tensor without history; std::invalid_argument for
/// std <= 0. normalize(images, kFashionMnistMean, kFashionMnistStd) standardises Fashion-MNIST.
Tensor normalize(const Tensor& values, double mean, double std);
/// normalize in place (no copy, no history): for data loaded once and standardised once.
void normalize_(const Tensor& values, double mean, double std);

}  // namespace wengert
