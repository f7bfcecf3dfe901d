namespace DigiUsher.Aws;

/// <summary>Instants the AWS SDK gives as <see cref="DateTime"/>, made UTC in one place.</summary>
public static class AwsTimestamps
{
    /// <summary>
    /// AWS sends UTC timestamps on the wire: a value of local kind is converted back, an unspecified
    /// or UTC one is taken as UTC.
    /// </summary>
    public static DateTimeOffset Utc(DateTime value) =>
        new(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
}
