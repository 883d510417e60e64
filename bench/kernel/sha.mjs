// Benchmark cases for the sha family; see README.md for the shape.
export const cases = [];
