using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace DigiUsher.ServiceDefaults.Api;

/// <summary>Strong entity tags and <c>If-None-Match</c> (RFC 9110 §13.1.2: weak comparison).</summary>
public static class ETags
{
    /// <summary>A strong ETag naming <paramref name="content"/> (a hash of it).</summary>
    public static string Of(ReadOnlySpan<byte> content) => "\"" + Convert.ToBase64String(SHA256.HashData(content)[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "\"";

    /// <summary>A strong ETag naming a version text (import ids, a query).</summary>
    public static string Of(string version) => Of(System.Text.Encoding.UTF8.GetBytes(version));

    /// <summary>True when the request's <c>If-None-Match</c> names <paramref name="etag"/> (or is <c>*</c>).</summary>
    public static bool NoneMatchHits(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0)
        {
            return false;
        }

        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var mine = EntityTagHeaderValue.Parse(etag);
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(mine, useStrongComparison: false));
    }

    /// <summary>
    /// The ETag of a JSON answer: the tag <see cref="ETagMiddleware"/> gives the same body on a GET, so
    /// a client can send a GET's ETag back as <c>If-Match</c>.
    /// </summary>
    public static string Of<T>(T value, JsonSerializerOptions options) => Of(JsonSerializer.SerializeToUtf8Bytes(value, options));

    /// <summary>
    /// RFC 9110 §13.1.1: true when the request has no <c>If-Match</c>, when it is <c>*</c>, or when it
    /// names <paramref name="current"/> (strong comparison); false means 412 Precondition Failed.
    /// </summary>
    public static bool IfMatchHolds(HttpRequest request, string current)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return true;
        }

        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var mine = EntityTagHeaderValue.Parse(current);
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(mine, useStrongComparison: true));
    }

    /// <summary>The 412 answer when <c>If-Match</c> names another version than the current one.</summary>
    public static ProblemHttpResult PreconditionFailed(string what) => TypedResults.Problem(
        statusCode: StatusCodes.Status412PreconditionFailed, title: "Changed since you read it",
        detail: $"{what} changed after the version your If-Match names: GET it again, then retry with its ETag.");

    /// <summary>
    /// Sets <paramref name="etag"/> on the response; true when the caller already holds it, and the
    /// endpoint answers 304 Not Modified without computing the body.
    /// </summary>
    public static bool Answer(HttpContext context, string etag)
    {
        context.Response.Headers.ETag = etag;
        return NoneMatchHits(context.Request, etag);
    }
}

/// <summary>Marks an endpoint whose body is streamed (an export): no content ETag, nothing buffered.</summary>
public sealed record StreamedResponse;

/// <summary>
/// Marks an update or delete that honours <c>If-Match</c> (optimistic concurrency: the ETag of the
/// resource's GET; 412 when it changed since): the OpenAPI document declares the header and the 412.
/// </summary>
public sealed record ConditionalOnIfMatch;

public static class ConditionalOnIfMatchExtensions
{
    /// <summary>Declares that the endpoint checks <c>If-Match</c> against the resource's current ETag (see <see cref="ETags.IfMatchHolds"/>).</summary>
    public static TBuilder WithIfMatch<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ConditionalOnIfMatch()).ProducesProblem(StatusCodes.Status412PreconditionFailed);
}

/// <summary>
/// ETags on every API <c>GET</c>: a 200 JSON answer without an ETag of its own gets one that hashes its
/// body, and a request whose <c>If-None-Match</c> holds it gets 304 without the body. Endpoints with a
/// cheaper validator (Query's cost answers: the current import ids) set it before computing, and
/// answer 304 themselves.
/// </summary>
public sealed class ETagMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || !context.Request.Path.StartsWithSegments("/api")
            || context.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<StreamedResponse>() is not null)
        {
            await next(context);
            return;
        }

        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status200OK && !response.Headers.ContainsKey(HeaderNames.ETag)
            && response.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            if (ETags.Answer(context, ETags.Of(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                response.ContentLength = null;
                response.Headers.ContentType = default;
                return;
            }
        }

        // An empty answer (a 401 or 403 from authorization, a 404) stays without a length, so the
        // status-code pages outside this middleware still write its problem details.
        if (response.StatusCode != StatusCodes.Status304NotModified && buffer.Length > 0)
        {
            response.ContentLength = buffer.Length;
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
        }
    }
}
