namespace DigiUsher.ServiceDefaults.Api;

/// <summary>
/// A query parameter a client must fix; <see cref="ApiRequestRulesMiddleware"/> answers it as a 400
/// validation problem naming the parameter.
/// </summary>
public sealed class BadParameterException(string parameter, string message) : Exception(message)
{
    public string Parameter { get; } = parameter;
}
