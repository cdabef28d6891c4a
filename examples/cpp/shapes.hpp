// A small C++ example for rlopt-c++: virtual dispatch, templates, STL containers and exceptions.
#pragma once
#include <memory>
#include <string>
#include <vector>

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
    virtual std::string name() const = 0;
};

std::unique_ptr<Shape> make_shape(const std::string& spec);  // throws std::invalid_argument

template <typename T, typename F>
T sum_by(const std::vector<T>& xs, F f) {
    T total{};
    for (const auto& x : xs) total += f(x);
    return total;
}
