import PageTable
