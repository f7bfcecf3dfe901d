using Microsoft.AspNetCore.Builder;

namespace DigiUsher.ServiceDefaults.Api;

/// <summary>A field of a form body: its name, what it holds, whether every request needs it, its allowed values.</summary>
public sealed record FormField(string Name, string Description, bool Required = false, IReadOnlyList<string>? Values = null);

/// <summary>One named example of a form body: what it shows and its fields.</summary>
public sealed record FormExample(string Name, string Summary, IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// Declares, for the OpenAPI document only, that an endpoint reads an <c>application/x-www-form-urlencoded</c>
/// body (OAuth 2.0's endpoints), as a component schema named <see cref="SchemaName"/>. Unlike <c>Accepts</c>,
/// it adds no content-type constraint to routing: the endpoint answers a body of another type with its
/// own error (RFC 6749's invalid_request), not a 415.
/// </summary>
public sealed record FormBody(string SchemaName, string Description, IReadOnlyList<FormField> Fields, IReadOnlyList<FormExample> Examples);

public static class FormBodyExtensions
{
    public const string MediaType = "application/x-www-form-urlencoded";

    /// <summary>Documents the endpoint's form body (see <see cref="FormBody"/>).</summary>
    public static RouteHandlerBuilder WithFormBody(this RouteHandlerBuilder builder, FormBody body) => builder.WithMetadata(body);
}
