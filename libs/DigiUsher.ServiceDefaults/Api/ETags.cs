using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
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
