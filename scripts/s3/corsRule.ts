/**
 * The bucket CORS rule Reeldrop needs, in one place: browsers PUT part bytes (with the part's
 * `x-amz-checksum-crc32c`, or its `Content-MD5`) and GET artifacts directly, and must be able to
 * read the `ETag` of each uploaded part.
 */
export const CORS_ALLOWED_METHODS = ["GET", "PUT", "HEAD"] as const;
export const CORS_ALLOWED_HEADERS = ["content-type", "content-md5", "content-length", "x-amz-checksum-crc32c"] as const;
export const CORS_EXPOSE_HEADERS = ["ETag"] as const;
export const CORS_MAX_AGE_SECONDS = 3600;

export function corsRuleXml(allowedOrigins: readonly string[]): string {
  const tag = (name: string, values: readonly string[]) =>
    values.map((value) => `<${name}>${escapeXml(value)}</${name}>`).join("");
  return (
    "<CORSConfiguration><CORSRule>" +
    tag("AllowedOrigin", allowedOrigins) +
    tag("AllowedMethod", CORS_ALLOWED_METHODS) +
    tag("AllowedHeader", CORS_ALLOWED_HEADERS) +
    tag("ExposeHeader", CORS_EXPOSE_HEADERS) +
    `<MaxAgeSeconds>${CORS_MAX_AGE_SECONDS}</MaxAgeSeconds>` +
    "</CORSRule></CORSConfiguration>"
  );
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
