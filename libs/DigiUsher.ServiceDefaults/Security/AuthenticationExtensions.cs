using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>The public keys of the service that signs the tokens itself (DataSource): it validates without HTTP.</summary>
public interface ILocalSigningKeys
{
    IReadOnlyList<SecurityKey> ValidationKeys { get; }
}

public static class AuthenticationExtensions
{
    /// <summary>The only algorithm our tokens are signed with: ECDSA P-256 with SHA-256.</summary>
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    /// <summary>RFC 9068's media type of a JWT access token (its <c>typ</c> header).</summary>
    public const string AccessTokenType = "at+jwt";

    /// <summary>
    /// Bearer access tokens issued by DataSource, ES256-signed, validated against DataSource's JWKS
    /// (read from <c>Auth:Authority</c>'s discovery document, refreshed on an unknown key id) or, in
    /// DataSource, against its own key ring. Only <c>at+jwt</c> tokens of our issuer and audience;
    /// no symmetric key exists anywhere, so an HS256 token or one with <c>alg: none</c> is refused.
    /// Every endpoint requires a tenant token unless it names a scope or says <c>AllowAnonymous</c>,
    /// and every 401 and 403 is problem details.
    /// </summary>
    public static WebApplicationBuilder AddDigiUsherAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Issuer is not null || o.Authority is not null, "Auth:Issuer or Auth:Authority must be configured.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RevocationList>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RevocationList>());
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, IServiceProvider>((bearer, auth, services) => Configure(bearer, auth.Value, services));
        var authorization = builder.Services.AddAuthorizationBuilder();
        foreach (var scope in Scopes.Tenant)
        {
            authorization.AddPolicy(PolicyOf(scope.Name), p => p.RequireAuthenticatedUser().RequireClaim(DigiUsherClaims.Organization)
                .AddRequirements(new ScopeRequirement(scope.Name)));
        }

        foreach (var scope in (string[])[Scopes.ImportRollupsRead, Scopes.SecretsRekey, Scopes.ImportsReimport, Scopes.QuotasWrite])
        {
            authorization.AddPolicy(PolicyOf(scope), p => p.RequireAuthenticatedUser()
                .RequireClaim(DigiUsherClaims.Role, DigiUsherClaims.InternalRole).AddRequirements(new ScopeRequirement(scope)));
        }
        authorization.SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(DigiUsherClaims.Organization).Build());
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>());
        return builder;
    }

    /// <summary>The endpoint needs a token carrying <paramref name="scope"/> (and, for tenant scopes, an organization).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(PolicyOf(scope));

    public static string PolicyOf(string scope) => "scope:" + scope;

    public static TokenValidationParameters CreateValidationParameters(AuthOptions options) => new()
    {
        ValidIssuer = options.ExpectedIssuer,
        ValidAudience = options.Audience,
        ValidAlgorithms = [Algorithm],
        ValidTypes = [AccessTokenType],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ClockSkew = options.ClockSkew,
        NameClaimType = DigiUsherClaims.Subject,
        RoleClaimType = DigiUsherClaims.Role,
    };

    private static void Configure(JwtBearerOptions bearer, AuthOptions options, IServiceProvider services)
    {
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = CreateValidationParameters(options);
        if (services.GetService<ILocalSigningKeys>() is { } local)
        {
            bearer.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, kid, _) =>
                local.ValidationKeys.Where(k => k.KeyId == kid);
        }
        else
        {
            var authority = options.Authority?.TrimEnd('/')
                ?? throw new InvalidOperationException("Auth:Authority must say where DataSource answers (its JWKS validates every token).");
            bearer.MetadataAddress = authority + "/.well-known/openid-configuration";
            bearer.RequireHttpsMetadata = options.RequireHttpsMetadata;
            bearer.AutomaticRefreshInterval = options.KeyRefreshInterval;
            bearer.RefreshInterval = TimeSpan.FromSeconds(30);
        }

        var revocations = services.GetRequiredService<RevocationList>();
        bearer.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (context.Principal is { } principal && revocations.IsRevoked(principal))
                {
                    context.Fail(new SecurityTokenRevokedException("The token was revoked (its user or client was disabled, deleted, changed or signed out)."));
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var detail = Describe(context.AuthenticateFailure, context.Request.Headers.Authorization.Count > 0);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
                    ? "Bearer"
                    : $"Bearer error=\"invalid_token\", error_description=\"{detail.Replace('"', '\'')}\"";
                await AuthProblems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Authentication required", detail);
            },
        };
    }

    private static string Describe(Exception? failure, bool tokenGiven) => failure switch
    {
        null when !tokenGiven => "Send a bearer access token (Authorization: Bearer ...) from DataSource's /connect/token.",
        null => "The Authorization header is not a bearer token.",
        SecurityTokenRevokedException revoked => revoked.Message,
        SecurityTokenExpiredException expired => $"The token expired at {expired.Expires:O}; get a new one from /connect/token.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenInvalidAlgorithmException => $"The token's algorithm is not accepted: tokens are signed with {Algorithm}.",
        SecurityTokenInvalidTypeException => $"The token is not an access token (typ must be {AccessTokenType}).",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature does not verify with DataSource's published keys.",
        SecurityTokenInvalidIssuerException => "The token was issued by someone else.",
        SecurityTokenInvalidAudienceException => "The token is for another audience.",
        SecurityTokenException => "The token is not valid.",
        _ => "The token could not be validated.",
    };

    /// <summary>Names the missing scope of a 403 (an authenticated caller whose token does not open the route).</summary>
    private sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (!authorizeResult.Forbidden)
            {
                await _default.HandleAsync(next, context, policy, authorizeResult);
                return;
            }

            var missing = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).ToList() ?? [];
            var detail = context.User.FindFirstValue(DigiUsherClaims.Organization) is null
                ? "This route is for an organization's users and service clients; the token belongs to none."
                : missing.Count > 0
                    ? $"This route needs the scope '{string.Join("' and '", missing)}'; the token carries: {Scopes.Format(context.User.GetScopes())}."
                    : "The token does not open this route.";
            await AuthProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", detail,
                missing.Count > 0 ? new Dictionary<string, object?> { ["requiredScopes"] = missing } : null);
        }
    }
}

/// <summary>The token must carry the scope.</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.HasScope(requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Writes the problem details of a refused request (with the correlation id, as every problem).</summary>
public static class AuthProblems
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
