namespace DigiUsher.ServiceDefaults.Api;

/// <summary>
/// A query parameter or body field a client must fix; <see cref="ApiRequestRulesMiddleware"/> answers it as
/// a 400 validation problem naming it, with the values it takes when they are a closed set.
/// </summary>
public sealed class BadParameterException(string parameter, string message, IReadOnlyList<string>? allowed = null) : Exception(message)
{
    public string Parameter { get; } = parameter;

    /// <summary>The values the parameter takes (the problem's <c>allowed</c> extension); null when not a closed set.</summary>
    public IReadOnlyList<string>? Allowed { get; } = allowed;
}
