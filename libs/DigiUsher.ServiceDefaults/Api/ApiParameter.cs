using Microsoft.AspNetCore.Builder;

namespace DigiUsher.ServiceDefaults.Api;

/// <summary>The JSON Schema type of a query parameter's value.</summary>
public enum ApiParameterType
{
    String,
    Integer,
    Boolean,
    Uuid,
    Date,
}

/// <summary>
/// A query parameter an operation takes. The declarations of an endpoint are its contract: the
/// OpenAPI document lists them (type, format, enum, default, description, example) and
/// <see cref="ApiRequestRulesMiddleware"/> refuses every other query parameter with a 400 naming it,
/// so a typo (<c>services=AmazonEC2</c>) is an error instead of a silently wider answer.
/// </summary>
/// <param name="Name">The name as sent; for a <see cref="Prefix"/> parameter, the prefix (<c>tag:</c>).</param>
/// <param name="Type">The value's type.</param>
/// <param name="Description">What it does, for people reading the document.</param>
public sealed record ApiParameter(string Name, ApiParameterType Type, string Description)
{
    /// <summary>The allowed values, when a closed set.</summary>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>The name of the enum's schema in the document, so every operation (and a generated client) shares one type.</summary>
    public string? SchemaName { get; init; }

    /// <summary>The value used when the parameter is absent.</summary>
    public string? Default { get; init; }

    /// <summary>An example value.</summary>
    public string? Example { get; init; }

    /// <summary>A list: comma-separated, or the parameter repeated.</summary>
    public bool Repeated { get; init; }

    public bool Required { get; init; }

    public int? Minimum { get; init; }

    public int? Maximum { get; init; }

    /// <summary>
    /// A family of parameters named <see cref="Name"/> + a key (<c>tag:team=web</c>): OpenAPI describes it as a
    /// free-form object parameter (style form, exploded) named <see cref="ObjectName"/>.
    /// </summary>
    public bool Prefix { get; init; }

    /// <summary>The name of a prefix family in the OpenAPI document (a free-form object).</summary>
    public string? ObjectName { get; init; }

    public bool Matches(string name) => Prefix
        ? name.Length > Name.Length && name.StartsWith(Name, StringComparison.OrdinalIgnoreCase)
        : string.Equals(name, Name, StringComparison.OrdinalIgnoreCase);

    /// <summary><c>limit</c>: the page size.</summary>
    public static ApiParameter Limit(int defaultSize, int maximum) => new("limit", ApiParameterType.Integer, $"Items per page, 1 to {maximum}.")
    {
        Default = defaultSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Minimum = 1,
        Maximum = maximum,
    };

    /// <summary><c>cursor</c>: where the page starts.</summary>
    public static readonly ApiParameter Cursor = new("cursor", ApiParameterType.String,
        "The nextCursor of the previous page, passed back unchanged with the same other parameters; absent for the first page.");
}

/// <summary>The query parameters an endpoint declares (endpoint metadata).</summary>
public sealed record DeclaredParameters(IReadOnlyList<ApiParameter> Parameters);

public static class ApiParameterExtensions
{
    /// <summary>Declares the query parameters the endpoint takes; any other is refused with a 400.</summary>
    public static TBuilder WithParameters<TBuilder>(this TBuilder builder, params ApiParameter[] parameters)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DeclaredParameters(parameters));
}
