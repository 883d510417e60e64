// placeholder; filled in by the sha work
export function __sha_placeholder(): void {}
