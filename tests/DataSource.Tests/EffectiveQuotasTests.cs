using DigiUsher.Contracts;
using DigiUsher.DataSource.Quotas;
using DigiUsher.ServiceDefaults.Quotas;

namespace DigiUsher.DataSource.Tests;

/// <summary>The quotas in force from the defaults and an operator's override, and the rules an override must keep.</summary>
public class EffectiveQuotasTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 31, 12, 0, 0, TimeSpan.Zero);

    private static readonly TenantQuotas Defaults = new() { DataSourcesPerOrganization = 2, KeysListedPerPoll = 1500, ManifestBytes = 4096, DeliveryBytes = 1 << 20, DeliveryRows = 1000 };

    [Fact]
    public void Of_WhenNoOverride_IsTheDefaultsEverywhere()
    {
        var quotas = EffectiveQuotas.Of(Defaults, null, Now);

        Assert.Same(Defaults, quotas.Values);
        Assert.Equal(new QuotaSources(QuotaSource.Default, QuotaSource.Default, QuotaSource.Default, QuotaSource.Default, QuotaSource.Default), quotas.Sources);
        Assert.Null(quotas.ForOtherServices());
        Assert.Equal("Quotas:DataSourcesPerOrganization", quotas.DataSourcesOrigin);
    }

    [Fact]
    public void Of_WhenSomeQuotasAreOverridden_TakesThoseAndKeepsTheOtherDefaults()
    {
        var stored = new QuotaOverride { DataSourcesPerOrganization = 10, DeliveryRows = 5000, Reason = "month-end", ExpiresAt = Now.AddDays(3) };

        var quotas = EffectiveQuotas.Of(Defaults, stored, Now);

        Assert.Equal((10, 1500, 4096L, 1L << 20, 5000L), (quotas.Values.DataSourcesPerOrganization, quotas.Values.KeysListedPerPoll, quotas.Values.ManifestBytes, quotas.Values.DeliveryBytes, quotas.Values.DeliveryRows));
        Assert.Equal(new QuotaSources(QuotaSource.Override, QuotaSource.Default, QuotaSource.Default, QuotaSource.Default, QuotaSource.Override), quotas.Sources);
        Assert.Equal(new OrganizationQuotaOverrides(null, null, null, 5000, Now.AddDays(3)), quotas.ForOtherServices());
        Assert.Equal("an operator's override for this organization", quotas.DataSourcesOrigin);
        Assert.Equal("an operator's override for this organization", quotas.Values.SourceOf(nameof(TenantQuotas.DeliveryRows)));
        Assert.Equal("Quotas:KeysListedPerPoll", quotas.Values.SourceOf(nameof(TenantQuotas.KeysListedPerPoll)));
    }

    [Fact]
    public void Of_WhenTheOverrideExpired_IsTheDefaults()
    {
        var stored = new QuotaOverride { DataSourcesPerOrganization = 10, Reason = "month-end", ExpiresAt = Now };

        var quotas = EffectiveQuotas.Of(Defaults, stored, Now);

        Assert.Equal(2, quotas.Values.DataSourcesPerOrganization);
        Assert.Null(quotas.InForce);
        Assert.Null(quotas.ForOtherServices());
    }

    [Fact]
    public void With_WhenAnotherServiceGetsTheOverride_LowersOrRaisesOnlyWhatItNames()
    {
        var lowered = Defaults.With(new OrganizationQuotaOverrides(10, null, null, null));

        Assert.Equal((10, 4096L, 1L << 20, 1000L), (lowered.KeysListedPerPoll, lowered.ManifestBytes, lowered.DeliveryBytes, lowered.DeliveryRows));
        Assert.Same(Defaults, Defaults.With(null));
    }

    [Fact]
    public void Check_WhenValuesAreOutOfTheirSettingsRangeOrNothingIsOverridden_NamesEachProblem()
    {
        var errors = QuotaOverrideRules.Check(new SetQuotaOverrideRequest(0, null, 10, null, null, " ", Now.AddMinutes(-1)), Now);

        Assert.Equal(["dataSourcesPerOrganization", "manifestBytes", "reason", "expiresAt"], errors.Fields);
        Assert.Equal(["quotas", "reason"], QuotaOverrideRules.Check(new SetQuotaOverrideRequest(null, null, null, null, null, null, null), Now).Fields);
        Assert.False(QuotaOverrideRules.Check(new SetQuotaOverrideRequest(100_000, 1, 1024, null, 1L << 40, "month-end", Now.AddDays(1)), Now).Any);
    }
}
