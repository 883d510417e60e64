// placeholder: filled in by the ctrmac work
export {};
