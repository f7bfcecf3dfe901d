using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.ServiceDefaults.Security;

public static class AuthenticationExtensions
{
    /// <summary>
    /// Bearer JWTs issued by DataSource (HMAC-SHA256 with the shared key). Every endpoint requires
    /// a token unless it says <c>AllowAnonymous</c>: the fallback policy is the tenant policy.
    /// </summary>
    public static WebApplicationBuilder AddDigiUsherAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwt) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = CreateValidationParameters(jwt.Value);
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(DigiUsherClaims.TenantPolicy, p => p.RequireAuthenticatedUser().RequireClaim(DigiUsherClaims.Organization))
            .AddPolicy(DigiUsherClaims.AdminPolicy, p => p.RequireAuthenticatedUser()
                .RequireClaim(DigiUsherClaims.Organization).RequireClaim(DigiUsherClaims.Role, DigiUsherClaims.AdminRole))
            .AddPolicy(InternalToken.Policy, p => p.RequireAuthenticatedUser().RequireClaim(DigiUsherClaims.Role, InternalToken.Role))
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser().RequireClaim(DigiUsherClaims.Organization).Build());
        return builder;
    }

    public static TokenValidationParameters CreateValidationParameters(JwtOptions options) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = DigiUsherClaims.Subject,
        RoleClaimType = DigiUsherClaims.Role,
    };
}
