using System.Globalization;
using DigiUsher.DataSource.Audit;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Identity;
using DigiUsher.DataSource.Validation;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.DataSource.Tokens;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Apis;

public static class AuthApi
{
    public const int MinPassword = 12;
    public const int MaxPassword = 128;

    /// <summary>When <c>POST /api/v1/auth/token</c> was deprecated in favour of <c>/connect/token</c>.</summary>
    public static readonly DateTimeOffset DeprecatedSince = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Authentication").AllowAnonymous().RequireRateLimiting(SignInRateLimits.Policy);
        group.MapPost("/register", RegisterAsync)
            .Accepts<RegisterRequest>("application/json")
            .Produces<Registered>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("Register")
            .WithSummary("Create an organization and its first admin (refused with 403 when the deployment is invite-only; with email verification on, sign-in waits for the mailed code)");
        group.MapPost("/token", TokenAsync)
            .Accepts<TokenRequest>("application/json")
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("IssueToken")
            .WithSummary("Deprecated: use POST /connect/token. A bearer token for a user (email, password) or a service client (clientId, clientSecret)")
            .WithMetadata(new ObsoleteAttribute("Use POST /connect/token (OAuth 2.0)."));
        group.MapPost("/invitations/accept", AcceptInvitationAsync)
            .Accepts<AcceptInvitationRequest>("application/json")
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AcceptInvitation")
            .WithSummary("Set the password of an invited user with the invitation code, and log in");
        return app;
    }

    public static void Password(FieldErrors errors, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            errors.Add("password", "'password' is required.");
        }
        else if (password.Length is < MinPassword or > MaxPassword)
        {
            errors.Add("password", $"'password' must be {MinPassword} to {MaxPassword} characters long.");
        }
    }

    private static async Task<IResult> RegisterAsync(
        HttpRequest http, IdentityStore store, PasswordCheck passwords, LoginThrottle throttle, AccountRecovery recovery, AuditLog audit, IOptions<RegistrationOptions> registration,
        CancellationToken cancellationToken)
    {
        if (registration.Value.InviteOnly)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Self-registration is off",
                detail: "This DigiUsher is invite-only: new users join an organization by its admin's invitation (POST /api/v1/auth/invitations/accept).");
        }

        var (request, problem) = await RequestBody.ReadAsync<RegisterRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Email("email", request.Email);
        Password(errors, request.Password);
        errors.Required("organizationName", request.OrganizationName, 100);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var organizationId = Guid.CreateVersion7();
        var userId = Guid.CreateVersion7();
        var email = request.Email!.Trim();
        var passwordHash = await passwords.HashAsync(request.Password!, cancellationToken);
        if (!await store.RegisterAsync(organizationId, request.OrganizationName!.Trim(), userId, email, passwordHash, verified: !recovery.VerificationRequired, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The email is registered already",
                detail: "An account with this email exists; log in, or ask its organization's admin for an invitation.");
        }

        await throttle.RememberAddressAsync(userId, LoginThrottle.AddressOf(http.HttpContext), cancellationToken);
        await audit.RecordAsync(new AuditEntry(organizationId, AuditActions.OrganizationRegistered, TargetType: "organization", TargetId: organizationId.ToString(),
            Actor: AuditActor.User(userId, email)), cancellationToken);
        if (recovery.VerificationRequired)
        {
            await recovery.RequestVerificationAsync(email, cancellationToken);
        }

        return TypedResults.Created($"/api/v1/users/{userId}", new Registered(organizationId, userId, email, DigiUsherClaims.AdminRole));
    }

    /// <summary>
    /// The JSON token endpoint of before <c>/connect/token</c>, kept for one release so the console and
    /// scripts can move: same grants and tokens (no refresh token), answered with RFC 9745's
    /// <c>Deprecation</c>, RFC 8594's <c>Sunset</c> and a link to its successor.
    /// </summary>
    private static async Task<IResult> TokenAsync(HttpContext context, TokenExchange exchange, CancellationToken cancellationToken)
    {
        context.Response.Headers["Deprecation"] = "@" + DeprecatedSince.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["Sunset"] = DeprecatedSince.AddMonths(3).ToString("R", CultureInfo.InvariantCulture);
        context.Response.Headers.Link = "</connect/token>; rel=\"successor-version\"";
        var (request, problem) = await RequestBody.ReadAsync<TokenRequest>(context.Request, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        var asUser = request.Email is not null || request.Password is not null;
        var asClient = request.ClientId is not null || request.ClientSecret is not null;
        if (asUser == asClient)
        {
            errors.Add("email", "Give either 'email' and 'password', or 'clientId' and 'clientSecret'.");
        }
        else if (asUser)
        {
            errors.Required("email", request.Email, 254);
            errors.Required("password", request.Password, MaxPassword);
        }
        else
        {
            errors.Required("clientId", request.ClientId, 128);
            errors.Required("clientSecret", request.ClientSecret, 256);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var address = LoginThrottle.AddressOf(context);
        TokenOutcome outcome;
        try
        {
            outcome = asUser
                ? await exchange.PasswordAsync(null, request.Email!, request.Password!, null, address, cancellationToken)
                : await exchange.ClientCredentialsAsync(new ClientCredentials(request.ClientId!, request.ClientSecret), null, address, cancellationToken);
        }
        catch (PasswordCheckBusyException busy)
        {
            outcome = new TokenError(TokenError.SlowDown, busy.Message, StatusCodes.Status429TooManyRequests, PasswordCheckBusyException.RetryAfter);
        }

        if (outcome.Error is { } error)
        {
            if (error.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            var status = error.Status == StatusCodes.Status400BadRequest ? StatusCodes.Status401Unauthorized : error.Status;
            return TypedResults.Problem(statusCode: status, title: status == StatusCodes.Status429TooManyRequests ? "Too many failed logins" : "Invalid credentials", detail: error.Description);
        }

        return TypedResults.Ok(new TokenResponse(outcome.Grant!.Access.Token, "Bearer", outcome.Grant.Access.ExpiresIn));
    }

    private static async Task<IResult> AcceptInvitationAsync(
        HttpRequest http, IdentityStore store, PasswordCheck passwords, AccessTokenIssuer issuer, LoginThrottle throttle, AuditLog audit, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<AcceptInvitationRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Required("invitationCode", request.InvitationCode, 128);
        Password(errors, request.Password);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var user = await store.AcceptInvitationAsync(SecretTokens.HashText(request.InvitationCode!), await passwords.HashAsync(request.Password!, cancellationToken), cancellationToken);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Invitation not found",
                detail: "The invitation code is wrong, was used already or has expired; ask your admin for a new one.");
        }

        await throttle.RememberAddressAsync(user.Id, LoginThrottle.AddressOf(http.HttpContext), cancellationToken);
        await audit.RecordAsync(new AuditEntry(user.OrganizationId, AuditActions.InvitationAccepted, TargetType: "user", TargetId: user.Id.ToString(),
            Actor: AuditActor.User(user.Id, user.Email)), cancellationToken);

        var token = issuer.Issue(new TokenSubject(user.Id.ToString(), user.OrganizationId, user.Role, user.Email, "console", Scopes.ForRole(user.Role)));
        return TypedResults.Ok(new TokenResponse(token.Token, "Bearer", token.ExpiresIn));
    }
}
