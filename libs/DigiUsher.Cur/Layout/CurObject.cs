namespace DigiUsher.Cur.Layout;

/// <summary>An S3 object as a listing shows it.</summary>
/// <param name="Key">The key exactly as S3 lists it (it may begin with <c>/</c>).</param>
/// <param name="Size">Bytes.</param>
/// <param name="ETag">ETag without quotes.</param>
/// <param name="LastModified">When S3 stored it.</param>
public sealed record CurObject(string Key, long Size, string ETag, DateTimeOffset LastModified);
