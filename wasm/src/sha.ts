// placeholder: filled in by the sha work
export {};
