// placeholder: filled in by the aes work
export {};
