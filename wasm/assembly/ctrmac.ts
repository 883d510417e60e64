// placeholder; filled in by the ctrmac work
export function __ctrmac_placeholder(): void {}
