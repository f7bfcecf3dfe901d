using DigiUsher.Cur.Layout;
using DigiUsher.Cur.Manifests;

namespace DigiUsher.DataSource.Connections;

/// <summary>What the billing checks found: the bucket's region, the period manifests, and the newest one's summary.</summary>
public sealed record BillingAccess(string? BucketRegion, IReadOnlyList<CurListedObject> Manifests, CurListedObject? Newest, ManifestSummary? Summary);

/// <summary>One validation as it goes: the checks and warnings so far, and the report they make.</summary>
public sealed class ValidationRun(ConnectionTarget target, DateTimeOffset checkedAt)
{
    public ConnectionTarget Target => target;

    public DateTimeOffset CheckedAt => checkedAt;

    public List<PermissionCheck> Checks { get; } = [];

    public List<string> Warnings { get; } = [];

    /// <summary>The connection refused before every check was made.</summary>
    public ValidationReport Refused(string outcome, string error) =>
        new(checkedAt, outcome, false, null, null, null, null, [], Checks, [], [], Warnings, error);

    /// <summary>
    /// The report of a completed validation: billing access decides whether the connection is
    /// accepted; a denied discovery permission switches its feature off.
    /// </summary>
    public ValidationReport Report(BillingAccess billing, IReadOnlyList<DetectedReport> reports, string? payerAccount)
    {
        var reportName = ChooseReport(target.ReportName, reports);
        var billingAccess = Checks.Where(c => c.Feature == ConnectionValidator.Billing).All(c => c.Status == PermissionStatus.Ok);
        var disabled = ConnectionValidator.DiscoveryFeatures.Where(f => Denied(f).Any()).ToList();
        foreach (var feature in disabled)
        {
            Warnings.Add($"Discovery of {feature} is off: the policy lacks {string.Join(", ", Denied(feature).Select(c => c.Action))}.");
        }

        if (reports.Count == 0)
        {
            Warnings.Add("No Cost and Usage Report was found under the bucket and prefix yet; AWS delivers the first report up to 24 hours after it is created.");
        }

        return new ValidationReport(
            checkedAt,
            billingAccess ? ValidationReport.Ok : ValidationReport.BillingAccessDenied,
            billingAccess,
            payerAccount,
            payerAccount is null ? null : billing.Summary?.Account is not null ? "manifest" : "sts",
            billing.BucketRegion,
            reportName,
            reports,
            Checks,
            [.. Checks.Where(c => c.Status == PermissionStatus.Denied).Select(c => c.Action).Distinct()],
            disabled,
            Warnings,
            billingAccess ? null : BillingError());
    }

    /// <summary>
    /// The report of a linked account's validation: its discovery permissions (it has no bucket of its
    /// own, so no billing access is asked); <paramref name="accountId"/> is the member account.
    /// </summary>
    public ValidationReport Linked(string accountId)
    {
        var disabled = ConnectionValidator.DiscoveryFeatures.Where(f => Denied(f).Any()).ToList();
        foreach (var feature in disabled)
        {
            Warnings.Add($"Discovery of {feature} is off: the policy lacks {string.Join(", ", Denied(feature).Select(c => c.Action))}.");
        }

        return new ValidationReport(
            checkedAt, ValidationReport.Ok, false, null, null, null, null, [], Checks,
            [.. Checks.Where(c => c.Status == PermissionStatus.Denied).Select(c => c.Action).Distinct()], disabled, Warnings, null)
        {
            AccountId = accountId,
        };
    }

    private IEnumerable<PermissionCheck> Denied(string feature) => Checks.Where(c => c.Feature == feature && c.Status == PermissionStatus.Denied);

    private string BillingError()
    {
        var failed = Checks.Where(c => c.Feature == ConnectionValidator.Billing && c.Status != PermissionStatus.Ok);
        return $"The credentials cannot read the billing bucket: {string.Join(", ", failed.Select(c => $"{c.Action} on {c.Resource} ({(c.Status == PermissionStatus.Denied ? "denied" : c.Detail)})"))}.";
    }

    private string? ChooseReport(string? given, IReadOnlyList<DetectedReport> reports)
    {
        if (given is not null)
        {
            if (reports.Count > 0 && !reports.Any(r => r.Name == given))
            {
                Warnings.Add($"No report named '{given}' was found; found: {string.Join(", ", reports.Select(r => r.Name).Distinct())}.");
            }

            if (reports.FirstOrDefault(r => r.Name == given) is { Compatible: false })
            {
                Warnings.Add($"The report '{given}' lacks resource ids or is monthly: costs cannot be linked to resources or days.");
            }

            return given;
        }

        var compatible = reports.Where(r => r.Compatible != false).ToList();
        if (reports.Count > 0 && compatible.Count == 0)
        {
            Warnings.Add("No compatible report was found: enable 'Include resource IDs' and hourly or daily granularity.");
        }

        if (compatible.Select(r => r.Name).Distinct().Count() > 1)
        {
            Warnings.Add($"Several reports were found ({string.Join(", ", compatible.Select(r => r.Name).Distinct())}); '{compatible[0].Name}' was chosen. Set reportName to choose another.");
        }

        return compatible.FirstOrDefault()?.Name;
    }
}
