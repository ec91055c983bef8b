/**
 * Listings are paginated with opaque cursors. A cursor that was not handed out by the listing (tampered, from
 * another listing, too long) is refused with this error, which the edge answers as a 400 naming `cursor`.
 */
import * as z from 'zod';

export class InvalidCursorError extends Error {}

/** `?limit=&cursor=` of every listing, declared once: an empty or oversized cursor is a 400 naming `cursor`. */
export const pageQueryFields = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1, 'must not be empty').max(2_048).optional(),
};

/** The query of a listing that takes nothing but a page. */
export const pageQuerySchema = z.object(pageQueryFields).strict();
