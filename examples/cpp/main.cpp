#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "shapes.hpp"

int main() {
    std::vector<std::unique_ptr<Shape>> shapes;
    for (const char* spec : {"circle 1", "rect 2 3", "circle 0.5", "rect 1 1", "triangle 3"}) {
        try {
            shapes.push_back(make_shape(spec));
        } catch (const std::invalid_argument& e) {
            std::printf("skipped: %s\n", e.what());
        }
    }
    std::sort(shapes.begin(), shapes.end(), [](const auto& a, const auto& b) { return a->area() < b->area(); });
    std::map<std::string, int> counts;
    for (const auto& s : shapes) counts[s->name()]++;
    std::vector<double> areas;
    for (const auto& s : shapes) areas.push_back(s->area());
    std::printf("shapes=%zu circles=%d rects=%d total_area=%.4f smallest=%s\n", shapes.size(), counts["circle"],
                counts["rect"], sum_by(areas, [](double a) { return a; }), shapes.front()->name().c_str());
    return 0;
}
