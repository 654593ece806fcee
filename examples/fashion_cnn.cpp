// A small convolutional network on Fashion-MNIST: two 3x3 conv + ReLU + 2x2 max-pool stages
// (1 -> 32 -> 64 channels), then a 3136-128-10 classifier with dropout.
//
//   build/examples/fashion_cnn --output out/fashion_cnn
//
// The dataset's benchmark lists 0.916 test accuracy for a two-conv network; 5 epochs gave
// 0.9103 here, hence the 10 default epochs. No batch normalisation: batch_norm is composed of
// elementwise ops here and would cost more than the convolutions.
#include <common/common.hpp>

using namespace wengert;

namespace {

std::shared_ptr<Sequential> make_cnn(double dropout, Generator* generator) {
    auto model = std::make_shared<Sequential>();
    model->push_back(std::make_shared<Conv2d>(1, 32, 3, 1, 1, 1, 1, true, generator));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<MaxPool2d>(2));
    model->push_back(std::make_shared<Conv2d>(32, 64, 3, 1, 1, 1, 1, true, generator));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<MaxPool2d>(2));
    model->push_back(std::make_shared<Flatten>());
    model->push_back(std::make_shared<Linear>(64 * 7 * 7, 128, true, generator));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<Dropout>(dropout, generator));
    model->push_back(std::make_shared<Linear>(128, 10, true, generator));
    return model;
}

}  // namespace

int main(int argc, char** argv) {
    return examples::run_main([&] {
        CLI::App app("Trains a two-conv CNN on Fashion-MNIST");
        examples::Flags flags;
        flags.epochs = 10;
        flags.batch_size = 128;
        flags.lr = 1e-3;
        flags.optimizer = "adam";
        flags.scheduler = "cosine";
        double dropout = 0.3;
        examples::add_common_flags(app, flags);
        app.add_option("--dropout", dropout, "dropout probability before the last layer")
            ->capture_default_str();
        CLI11_PARSE(app, argc, argv);
        examples::apply(flags);

        Generator generator(flags.seed);
        const examples::FashionData data = examples::load_fashion(flags.data_dir, false);
        DataLoader train_loader(
            data.train, {.batch_size = flags.batch_size, .shuffle = true, .seed = flags.seed});
        DataLoader test_loader(data.test, {.batch_size = 500});
        auto model = make_cnn(dropout, &generator);
        auto optimizer = examples::make_optimizer(flags.optimizer, model->parameters(), flags.lr);

        train::FitOptions options = examples::fit_options(flags);
        examples::Schedule schedule =
            examples::make_schedule(flags.scheduler, *optimizer, flags.epochs, train_loader.size());
        schedule.attach(options);
        const train::History history =
            train::fit(*model, *optimizer, train_loader, &test_loader, options);

        double train_seconds = 0.0;
        for (const train::EpochRecord& record : history.epochs) {
            train_seconds += record.seconds;
        }
        const train::EpochRecord& last = history.epochs.back();
        examples::Json metrics;
        metrics["example"] = "fashion_cnn";
        metrics["test_accuracy"] = last.test_accuracy;
        metrics["test_loss"] = last.test_loss;
        metrics["train_loss"] = last.train_loss;
        metrics["epochs"] = flags.epochs;
        metrics["seconds"] = history.seconds;
        metrics["seconds_per_epoch"] = history.seconds / static_cast<double>(flags.epochs);
        metrics["train_seconds_per_epoch"] = train_seconds / static_cast<double>(flags.epochs);
        metrics["parameters"] = model->parameter_count();
        metrics["optimizer"] = flags.optimizer;
        metrics["scheduler"] = flags.scheduler;
        metrics["batch_size"] = flags.batch_size;
        metrics["lr"] = flags.lr;
        metrics["seed"] = flags.seed;
        examples::print_json(metrics);
        return 0;
    });
}
