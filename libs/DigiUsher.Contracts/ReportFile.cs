namespace DigiUsher.Contracts;

/// <summary>One S3 object of a delivery.</summary>
/// <param name="Key">Full S3 key, without the bucket.</param>
/// <param name="Size">Size in bytes as listed by S3.</param>
/// <param name="ETag">The object's ETag as listed by S3 (quotes removed).</param>
public sealed record ReportFile(string Key, long Size, string ETag);
