// placeholder; filled in by the aes work
export function __aes_placeholder(): void {}
