// placeholder; filled in by the chacha work
export function __chacha_placeholder(): void {}
