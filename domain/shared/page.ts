/**
 * Listings are paginated with opaque cursors. A cursor that was not handed out by the listing (tampered, from
 * another listing, too long) is refused with this error, which the edge answers as a 400 naming `cursor`.
 */
export class InvalidCursorError extends Error {}
