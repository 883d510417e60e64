// placeholder: filled in by the chacha work
export {};
