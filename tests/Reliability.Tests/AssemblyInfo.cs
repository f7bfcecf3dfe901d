// Every test here runs real service processes (and some kill them or restart a broker): one at a
// time keeps a 2-core CI runner from timing them out and keeps faults from crossing tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
