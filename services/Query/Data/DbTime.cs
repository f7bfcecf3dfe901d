namespace DigiUsher.Query.Data;

/// <summary>Timestamps as rows carry them: Npgsql reads <c>timestamptz</c> as a UTC <see cref="DateTime"/>.</summary>
public static class DbTime
{
    public static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    public static DateTimeOffset? Utc(DateTime? at) => at is { } value ? Utc(value) : null;
}
