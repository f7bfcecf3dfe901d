using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using DigiUsher.DataSource.Tokens;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace DigiUsher.DataSource.Apis;

/// <summary>The answer of <c>POST /connect/token</c> (RFC 6749 section 5.1).</summary>
public sealed record OAuthTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("refresh_token")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken);

/// <summary>
/// A refusal of the token or revocation endpoint: RFC 6749 section 5.2's <c>error</c> and
/// <c>error_description</c> (what OAuth libraries read), and RFC 9457's problem members with the
/// correlation id (what our other APIs answer).
/// </summary>
public sealed record OAuthError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("correlationId")] string? CorrelationId);

/// <summary>
/// OAuth 2.0 as standard libraries expect it: the token endpoint (RFC 6749, form-encoded), token
/// revocation (RFC 7009), the discovery document (OpenID Connect Discovery / RFC 8414) and the JWKS
/// (RFC 7517) that every other service validates tokens with.
/// </summary>
public static class ConnectApi
{
    public static IEndpointRouteBuilder MapConnectApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("OAuth 2.0").AllowAnonymous();
        // No Accepts metadata: routing would then not match a request of another content type, and the
        // caller would get a 415 or 401 instead of RFC 6749's invalid_request.
        group.MapPost("/connect/token", TokenAsync)
            .RequireRateLimiting(Identity.SignInRateLimits.Policy)
            .Produces<OAuthTokenResponse>()
            .Produces<OAuthError>(StatusCodes.Status400BadRequest)
            .Produces<OAuthError>(StatusCodes.Status401Unauthorized)
            .Produces<OAuthError>(StatusCodes.Status429TooManyRequests)
            .WithName("Token")
            .WithSummary("An access token: grant_type client_credentials (service clients), password (people, with a refresh token) or refresh_token")
            .WithDescription("Form-encoded (application/x-www-form-urlencoded) as RFC 6749 says; client credentials by HTTP Basic or client_id and client_secret.")
            .WithFormBody(TokenForm)
            .DisableAntiforgery();
        group.MapPost("/connect/revoke", RevokeAsync)
            .RequireRateLimiting(Identity.SignInRateLimits.Policy)
            .Produces<Dictionary<string, string>>()
            .Produces<OAuthError>(StatusCodes.Status400BadRequest)
            .Produces<OAuthError>(StatusCodes.Status401Unauthorized)
            .Produces<OAuthError>(StatusCodes.Status429TooManyRequests)
            .WithName("RevokeToken")
            .WithSummary("Sign out: revokes a refresh token and every token of its sign-in (RFC 7009)")
            .WithDescription("Form-encoded (application/x-www-form-urlencoded); an unknown or already revoked token is not an error (RFC 7009 section 2.2).")
            .WithFormBody(RevocationForm)
            .DisableAntiforgery();
        group.MapGet("/.well-known/openid-configuration", Discovery)
            .Produces<Dictionary<string, object>>()
            .WithName("Discovery")
            .WithSummary("Where the token endpoint and the keys are, and what the server supports");
        group.MapGet("/.well-known/jwks.json", (SigningKeyRing keys, HttpResponse response) =>
            {
                response.Headers.CacheControl = "public, max-age=60";
                return TypedResults.Ok(new { keys = keys.PublicJwks });
            })
            .Produces<Dictionary<string, object>>()
            .WithName("Jwks")
            .WithSummary("The public keys (ES256) tokens are signed with, the next one published before it signs");
        return app;
    }

    /// <summary>The token request's fields (RFC 6749 sections 4.3.2, 4.4.2 and 6), which of them each grant reads.</summary>
    private static readonly FormBody TokenForm = new(
        "OAuthTokenRequest",
        "A token request (RFC 6749): grant_type says which fields are read. client_credentials: the client by HTTP Basic (client_secret_basic) "
        + "or client_id and client_secret (client_secret_post), and scope. password: username, password, scope and optionally client_id "
        + "(a public client, the console). refresh_token: refresh_token, scope and optionally client_id. Unrecognized fields are ignored (RFC 6749 section 3.2).",
        [
            new("grant_type", "The grant: client_credentials (service clients), password (people) or refresh_token (renewing a person's tokens).", Required: true,
                Values: ["client_credentials", "password", "refresh_token"]),
            new("scope", "Space-separated scopes the token is narrowed to (RFC 6749 section 3.3); absent, every scope of the client or of the person's role."),
            new("client_id", "client_credentials: the service client's id (dus_...) unless sent by HTTP Basic. password and refresh_token: the public client asking (console), optional."),
            new("client_secret", "client_credentials: the service client's secret (dss_...) unless sent by HTTP Basic. Never with HTTP Basic."),
            new("username", "password: the person's email."),
            new("password", "password: the person's password."),
            new("refresh_token", "refresh_token: the refresh token of the last answer (dsr_...); each use gives a new one, and using an old one again revokes the sign-in."),
        ],
        [
            new("clientCredentials", "A service client asks for a token that reads costs and resources",
                new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "costs:read resources:read", ["client_id"] = "dus_0190f1c2a7d34e6f8b9a0c1d2e3f4a5b", ["client_secret"] = "dss_example-secret" }),
            new("password", "A person signs in through the console",
                new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = "ada@example.com", ["password"] = "correct horse battery staple", ["client_id"] = "console" }),
            new("refreshToken", "The console renews a person's tokens",
                new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = "dsr_example-refresh-token", ["client_id"] = "console" }),
        ]);

    /// <summary>The revocation request's fields (RFC 7009 section 2.1).</summary>
    private static readonly FormBody RevocationForm = new(
        "OAuthRevocationRequest",
        "A revocation request (RFC 7009): the refresh token whose sign-in ends. Access tokens are short-lived and not revoked one by one.",
        [
            new("token", "The refresh token to revoke (dsr_...).", Required: true),
            new("token_type_hint", "What the token is (RFC 7009 section 2.1); only refresh tokens are revoked.", Values: ["refresh_token", "access_token"]),
            new("client_id", "The public client that received the token (console), optional."),
        ],
        [
            new("signOut", "The console signs a person out",
                new Dictionary<string, string> { ["token"] = "dsr_example-refresh-token", ["token_type_hint"] = "refresh_token", ["client_id"] = "console" }),
        ]);

    private static async Task<IResult> TokenAsync(HttpContext http, TokenExchange exchange, CancellationToken cancellationToken)
    {
        NoStore(http.Response);
        var (form, client, problem) = await ReadAsync(http);
        if (problem is not null)
        {
            return Refuse(http, problem);
        }

        var grantType = form!["grant_type"].ToString();
        var address = Identity.LoginThrottle.AddressOf(http);
        string? Field(string name) => form[name] is { Count: 1 } v && v[0]!.Length > 0 ? v[0] : null;
        TokenOutcome outcome;
        try
        {
            outcome = grantType switch
            {
                "" => new TokenError(TokenError.InvalidRequest, "'grant_type' is required: client_credentials, password or refresh_token."),
                "client_credentials" => await exchange.ClientCredentialsAsync(client, Field("scope"), address, cancellationToken),
                "password" when Field("username") is null || Field("password") is null =>
                    new TokenError(TokenError.InvalidRequest, "The password grant needs 'username' (the email) and 'password'."),
                "password" => await exchange.PasswordAsync(client?.ClientId, Field("username")!, Field("password")!, Field("scope"), address, cancellationToken),
                "refresh_token" when Field("refresh_token") is null => new TokenError(TokenError.InvalidRequest, "'refresh_token' is required."),
                "refresh_token" => await exchange.RefreshAsync(client?.ClientId, Field("refresh_token")!, Field("scope"), cancellationToken),
                _ => new TokenError(TokenError.UnsupportedGrantType, $"grant_type '{grantType}' is not supported: client_credentials, password or refresh_token."),
            };
        }
        catch (Identity.PasswordCheckBusyException busy)
        {
            outcome = new TokenError(TokenError.SlowDown, busy.Message, StatusCodes.Status429TooManyRequests, Identity.PasswordCheckBusyException.RetryAfter);
        }

        if (outcome.Error is { } error)
        {
            if (error.Error == TokenError.InvalidClient && http.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"digiusher\"";
            }

            return Refuse(http, error);
        }

        var grant = outcome.Grant!;
        return TypedResults.Ok(new OAuthTokenResponse(grant.Access.Token, "Bearer", grant.Access.ExpiresIn, Scopes.Format(grant.Scopes), grant.RefreshToken));
    }

    private static async Task<IResult> RevokeAsync(HttpContext http, TokenExchange exchange, CancellationToken cancellationToken)
    {
        NoStore(http.Response);
        var (form, _, problem) = await ReadAsync(http);
        if (problem is not null)
        {
            return Refuse(http, problem);
        }

        var token = form!["token"].ToString();
        if (token.Length == 0)
        {
            return Refuse(http, new TokenError(TokenError.InvalidRequest, "'token' is required: the refresh token to revoke."));
        }

        if (token.Count(c => c == '.') == 2)
        {
            return Refuse(http, new TokenError("unsupported_token_type", "Access tokens expire within minutes and are not revoked one by one; revoke the refresh token."));
        }

        await exchange.RevokeAsync(token, cancellationToken);
        return TypedResults.Ok(new Dictionary<string, string>());
    }

    private static IResult Discovery(HttpRequest request, IOptions<AuthOptions> auth)
    {
        var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}";
        return TypedResults.Ok(new Dictionary<string, object>
        {
            ["issuer"] = auth.Value.ExpectedIssuer,
            ["token_endpoint"] = baseUrl + "/connect/token",
            ["revocation_endpoint"] = baseUrl + "/connect/revoke",
            ["jwks_uri"] = baseUrl + "/.well-known/jwks.json",
            ["grant_types_supported"] = new[] { "client_credentials", "password", "refresh_token" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post", "none" },
            ["revocation_endpoint_auth_methods_supported"] = new[] { "none" },
            ["scopes_supported"] = Scopes.Tenant.Select(s => s.Name).ToArray(),
            ["response_types_supported"] = new[] { "token" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { AuthenticationExtensions.Algorithm },
            ["claims_supported"] = new[] { "sub", "org", "role", "email", "scope", "client_id" },
        });
    }

    /// <summary>
    /// The form, and the client's credentials from HTTP Basic (RFC 6749 section 2.3.1: both parts
    /// form-url-encoded) or the form; a parameter given twice, or credentials given both ways, is refused.
    /// </summary>
    private static async Task<(IFormCollection? Form, ClientCredentials? Client, TokenError? Problem)> ReadAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType || http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            return (null, null, new TokenError(TokenError.InvalidRequest, "Send the parameters form-encoded (Content-Type: application/x-www-form-urlencoded)."));
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form.FirstOrDefault(p => p.Value.Count > 1) is { Key: { } repeated } && repeated is not null)
        {
            return (form, null, new TokenError(TokenError.InvalidRequest, $"'{repeated}' is given more than once."));
        }

        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            if (form.ContainsKey("client_secret"))
            {
                return (form, null, new TokenError(TokenError.InvalidRequest, "Authenticate the client one way: HTTP Basic or client_secret, not both."));
            }

            var basic = DecodeBasic(header[6..].Trim());
            if (basic is null || (form.TryGetValue("client_id", out var id) && id != basic.ClientId))
            {
                return (form, null, new TokenError(TokenError.InvalidClient, "The Basic credentials are malformed or name another client than client_id.", StatusCodes.Status401Unauthorized));
            }

            return (form, basic, null);
        }

        var clientId = form["client_id"].ToString();
        var secret = form.TryGetValue("client_secret", out var s) ? s.ToString() : null;
        return (form, clientId.Length == 0 ? null : new ClientCredentials(clientId, secret), null);
    }

    private static ClientCredentials? DecodeBasic(string value)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon <= 0 ? null : new ClientCredentials(Uri.UnescapeDataString(text[..colon].Replace('+', ' ')), Uri.UnescapeDataString(text[(colon + 1)..].Replace('+', ' ')));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static IResult Refuse(HttpContext http, TokenError error)
    {
        if (error.RetryAfter is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var correlationId = http.Response.Headers[CorrelationIdMiddleware.HeaderName] is { Count: > 0 } c ? c.ToString() : null;
        var title = error.Status switch
        {
            StatusCodes.Status401Unauthorized => "The client is not authenticated",
            StatusCodes.Status429TooManyRequests => "Too many attempts",
            _ => "The token request is refused",
        };
        return TypedResults.Json(new OAuthError(error.Error, error.Description, title, error.Status, error.Description, correlationId), statusCode: error.Status);
    }

    private static void NoStore(HttpResponse response)
    {
        // RFC 6749 section 5.1: responses carrying tokens must not be cached.
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = new StringValues("no-cache");
    }
}
