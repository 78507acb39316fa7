// Package lab is the home of the paper's lab: the testbed of network
// namespaces (lab/testbed), the experiment run on it (lab/scenario) and
// what the VM selftests share (lab/labtest). The demo, the selftests and
// future tools build on it; it lives outside selftests/ because product
// code never imports the test tree (TestProductDoesNotImportSelftests).
package lab
