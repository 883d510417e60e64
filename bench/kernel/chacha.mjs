// Benchmark cases for the chacha family; see README.md for the shape.
export const cases = [];
