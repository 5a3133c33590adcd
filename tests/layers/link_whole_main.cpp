// Linked with one layer's whole archive (tests/CMakeLists.txt): the link fails when any object
// of the layer needs a symbol from outside what the layer declares it links.
int main() { return 0; }
